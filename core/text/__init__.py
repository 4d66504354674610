"""Understanding help messages and volunteer replies (pure functions, no I/O)."""
from siaga.core.text.commands import Command, classify_keyword, parse_command
from siaga.core.text.message import ParsedMessage, parse_help_message

__all__ = ["Command", "ParsedMessage", "classify_keyword", "parse_command", "parse_help_message"]
