# Copy to instance/config.py and adjust. PLANNER_* environment variables override these.
# `make run` writes an instance/config.py with a random SECRET_KEY on first use.

SECRET_KEY = "change-me-to-a-long-random-string"  # python -c "import secrets; print(secrets.token_hex(32))"

# SQLite under instance/ by default; for PostgreSQL:
# DATABASE_URL = "postgresql://planner@127.0.0.1:5432/planner"

# Channel credentials are encrypted with this Fernet key (comma-separate several to rotate,
# newest first). Without it a key is generated once into instance/encryption.key.
# ENCRYPTION_KEY = "..."

# BASE_URL = "https://planner.example.com"   # used in links inside emails
# SESSION_COOKIE_SECURE = True              # behind https
# DEFAULT_TIMEZONE = "Europe/London"
# WORKER_TICK_SECONDS = 1
# MAX_ATTEMPTS = 5
# RETRY_BASE_SECONDS = 60

# Email for review notifications. Without SMTP_HOST, each email is written to instance/mail/
# as an .eml file instead (handy locally). PLANNER_SMTP_HOST etc. work too.
# SMTP_HOST = "smtp.example.com"
# SMTP_PORT = 587
# SMTP_STARTTLS = True
# SMTP_USERNAME = "planner@example.com"
# SMTP_PASSWORD = "..."
# SMTP_FROM = "Planner <planner@example.com>"
