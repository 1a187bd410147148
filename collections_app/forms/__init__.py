"""HTML forms of the work screens: they check the shape of input; services check the rules."""
