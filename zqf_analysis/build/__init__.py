"""Build: plan every notebook run for a dataset, check its parameters, and execute and render only
the runs whose inputs changed."""
