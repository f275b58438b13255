"""Media: images on posts, their storage, processing and per-platform renditions."""
