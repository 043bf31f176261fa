"""nomos_portal: a white-label self-service portal for the customers of energy suppliers."""
