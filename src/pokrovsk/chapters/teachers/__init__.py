"""For teachers: exercises that re-run the chapters' facts and figures with other choices."""
