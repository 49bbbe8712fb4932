"""What operators run it with: health probes, Prometheus metrics, structured logs."""
