"""Services: typed functions over the models; they take ``session`` keyword-only and never commit."""
