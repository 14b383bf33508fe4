"""Who is calling (authentication) and whether they may (authorization, from the generated permission table)."""
