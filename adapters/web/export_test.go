package web

// HubCount is how many incidents s follows live: one reader each.
func (s *Server) HubCount() int {
	if s.live == nil {
		return 0
	}
	return s.live.hubCount()
}
