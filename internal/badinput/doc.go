// Package badinput holds, in its test, the catalogue of bad inputs that
// neuron's public API must refuse with a clear error (or handle as the
// IEEE rules and Keras do): each row is one input a careless or hostile
// user could give, and the error text it must produce. The catalogue grows
// with every new surface; the neuron command's cases are in
// cmd/neuron's TestRuntimeErrors, the file readers' in their fuzz targets.
package badinput
