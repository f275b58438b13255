"""Images on posts: checking and cleaning uploads, and where their bytes are kept.

No Flask and no database here: the services pass bytes in and keep the rows.
"""
