"""Mail: building and sending what the desk writes to customers (``outbound``)."""
