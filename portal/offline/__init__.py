"""The phone that works without signal (issue 19): an installable web app whose service worker
keeps the shell, a grid worker's task list and their grid's households (numbers masked) for a
week, and a queue of visits and case reports made offline, sent again with an idempotency key so
that a retry never files twice.

- replay.py: the server's side of the idempotency key (the kiosk basket's rule: a key already used
  answers with the record its first attempt made);
- views.py: the manifest, the service worker at the root scope, the offline pages and the fresh
  CSRF token an upload asks for before it is sent;
- static/js/offline-store.js, offline.js and sw.js: the phone's side.
"""
