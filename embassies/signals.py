"""What embassies tell the layers above them, which they never import: an account was connected again."""

from django.dispatch import Signal

# Sent as an account is connected or reconnected, inside the transaction that saved it; args: account, user.
account_reconnected = Signal()
