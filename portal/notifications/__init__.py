"""Notifications: an outbox written in the same transaction as the change that causes it, and a
worker that delivers it through channels (plugins behind one hook).

- ``outbox.notify`` writes one row per recipient and channel, keyed so that the same event never
  notifies twice (the key is unique; a second write of the same key is ignored);
- the in-portal inbox is the outbox row itself: written is delivered, the bell counts it;
- every other channel (e-mail, SMS, a WeCom group robot ...) is delivered by the worker
  (``portal.notifications.delivery``), which claims rows, calls the ``send_notification`` hook and
  records sent / failed (with why) / dead, retrying with backoff.
"""
