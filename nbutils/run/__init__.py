"""Running the workbook: the papermill pipeline, its reports, profiles, preflight checks, the CLI, notebook setup."""
