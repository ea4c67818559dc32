"""The grid map: boundaries as GeoJSON polygons, imported from a file or drawn by an admin, and a
map of a scope's grids coloured by a measure."""
