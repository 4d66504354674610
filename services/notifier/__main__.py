"""python -m services.notifier: sends the notifications topic through Twilio (see deliver.py)."""
from services.notifier.main import main

main()
