from django.core.management.base import BaseCommand

from portal import outbox


class Command(BaseCommand):
    help = (
        "Deliver the outbox's waiting e-mails and task requests (the worker's beat does it every minute): "
        "e-mails are sent from this process, tasks are handed to the broker. Safe to run beside the beat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=outbox.DRAIN_LIMIT, help="At most this many messages.")

    def handle(self, *args, limit, **options):
        done = outbox.drain(limit=limit)
        left = outbox.backlog()
        self.stdout.write(f"Sent {done['sent']}, failed {done['failed']}; {left['waiting']} waiting.")
