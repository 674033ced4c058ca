"""The matcher's labelled evaluation set: generator, loader, and the names and numbers they use."""
