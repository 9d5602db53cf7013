"""Demo embassies with accounts connected to the network sandbox."""
