"""The dashboard: what each role sees on the home page (figures, charts, to-do lists)."""
