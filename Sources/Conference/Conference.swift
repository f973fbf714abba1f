// The conference as a function of what participants said: advertisements, configures, routing plans.
