// Package deploy holds no code: its folders are Warroom's deployment files
// (compose/ for Docker Compose, kubernetes/ for kubectl apply -k), and its
// test keeps them true to the code: every variable they name is one config
// reads, no secret has a value, every probe asks a route serve serves on
// the port the same file gives it, and the image is the one `make image`
// builds.
package deploy
