"""The dispatch engine's pure core: triage, dedupe, skills, the matcher and the volunteer desk.
No I/O: state in, messages out. streams/dispatch.py wires it to topics and Faust tables."""
