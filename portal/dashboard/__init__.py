"""The command centre (指挥中心): a dashboard for every level of the tree, drill-down to the lists
behind each number, the grid map and a wall screen."""
