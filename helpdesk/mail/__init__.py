"""Mail intake: every way a customer's mail reaches the desk (SMTP/LMTP gateway, MTA pipe,
HTTP endpoint, IMAP), stored raw first, then decoded, classified, threaded and turned into
tickets and messages. The mail the desk sends lives with the tickets (``tickets.outbound``)."""
