"""The runner protocol every runtime implements, and what runners of one kind share."""
