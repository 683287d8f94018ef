"""Where rows come from. Each source kind answers the same questions (which tables, which columns, which rows)."""
