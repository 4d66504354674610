"""python -m siaga.services.notifier: sends the notifications topic through Twilio (see deliver.py)."""
from siaga.services.notifier.main import main

main()
