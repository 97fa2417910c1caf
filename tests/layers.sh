# The floor plan (docs/design.md) holds: no arrow up a floor, no circle.
# Reads the sources and the objects `make` built beside this test.
python3 "$TOP_SRCDIR/tests/layers.py" "$TOP_SRCDIR" "$TOP_BUILDDIR"
