"""What the book derives: the two CAVI updates, the ELBO, starting points, the loop, restarts."""
