"""queuekit's example app: a web front (webapp.web) that enqueues Celery tasks (webapp.tasks)."""
