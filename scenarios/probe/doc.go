// Package probe examines a real FTPS server the way a support engineer
// would — explicit and implicit TLS, AUTH variants, certificates,
// PBSZ/PROT, the passive address, the session-reuse requirement, a
// transfer round trip — and reports findings, each with its severity, the
// catalogue cases it relates to and the fix ([Run], [Report]). It is what
// "ftpsim probe" runs; the server is described by a [scenarios.Target].
package probe
