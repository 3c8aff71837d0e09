"""The studio: data loading, pages (AppTest) and one real-browser session."""
