"""The HTML screens of collections work, one module per screen."""
