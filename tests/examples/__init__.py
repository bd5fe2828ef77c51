"""Tests of the example applications under examples/, run from the repository in tmp dirs."""
