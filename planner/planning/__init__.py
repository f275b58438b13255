"""Planning helpers with no database: weekly posting slots, repeat rules and the month filler."""
