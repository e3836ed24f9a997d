"""gRPC servicers, one module per service; they share a `Deps` bundle."""
