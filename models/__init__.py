"""MLflow glue: pyfunc wrappers, registry, champion/challenger aliases and model loading."""
