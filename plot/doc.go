// Package plot draws the figures of a Keras course with gonum.org/v1/plot,
// in the look of matplotlib's defaults: training curves as
// plt.plot(history.history["loss"]) draws them, images as plt.imshow
// shows them, grids of labelled predictions and confusion matrices.
//
// Figures are written as PNG, SVG or PDF, chosen by the file name's
// extension, and atomically: a reader of the file sees the old figure or
// the complete new one, never a partial write.
//
// What follows matplotlib:
//
//   - the figure size (6.4×4.8 inches, 100 dots per inch: 640×480 pixels)
//     and the position of the axes in it;
//   - the default colour cycle (Tab10): the first curve is tab:blue
//     #1f77b4, the second tab:orange #ff7f0e, then #2ca02c, #d62728, …, so
//     that training curves are blue and validation curves orange, as in the
//     course;
//   - the x axis of a history plot counts epochs from 0, as
//     plt.plot(values) numbers its points;
//   - tick positions (matplotlib's MaxNLocator with steps 1, 2, 2.5, 5, 10)
//     and tick labels with a common number of decimals;
//   - the legend in the "best" corner, the one covering the fewest points;
//   - imshow: the viridis colour map (the exact 256 colours matplotlib
//     paints), values scaled from the image's minimum to its maximum, one
//     square block of a single colour per pixel, row 0 at the top, pixel
//     centres at integer coordinates so the ticks read 0, 5, 10, …
//
// Fonts are Liberation Sans, as gonum ships it, in place of matplotlib's
// DejaVu Sans.
package plot
