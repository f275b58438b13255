"""Publishing: deliveries, the retry policy, and the worker that sends posts on time."""
