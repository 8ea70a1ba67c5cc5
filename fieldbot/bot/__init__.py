"""The running bot: the Application's wiring (app), the runtime that starts and stops it, the
update poller or webhook receiver, the outbox sender and the election of the one sender."""
