"""Order and return anomaly scoring with scikit-learn and explicit rules."""
