"""API schemas, named by direction: *In for request bodies, *Out for responses."""
