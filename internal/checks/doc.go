// Package checks is the core of spacectl-preflight: the check and result
// model and the concurrent runner. It imports no cloud SDK; backends live in
// sub-packages and plug in through Plan.
package checks
