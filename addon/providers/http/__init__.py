"""What HTTP providers share: the client (one session, capped reads), status mapping to the error
classes (`status`), and checked media downloads (`download`)."""
