"""What CAVI is measured against: exact evidence and posterior, Gibbs sampling, SVI."""
