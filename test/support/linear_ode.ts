// The linear model's ODE (SPEC section 3): du/dt = (1 - mu) m - u, dm/dt = (1 - mu) u (1 - m^2),
// integrated by classical RK4 with a small fixed step, independent of the engine's integrator.
export function linearOde(mu: number, m0: number, u0: number, times: number[], h = 1e-3): { m: number[]; u: number[] } {
  const a = 1 - mu;
  const f = (u: number, m: number): [number, number] => [a * m - u, a * u * (1 - m * m)];
  let u = u0,
    m = m0,
    t = 0;
  const outM: number[] = [],
    outU: number[] = [];
  for (const target of times) {
    while (t < target - 1e-12) {
      const dt = Math.min(h, target - t);
      const k1 = f(u, m);
      const k2 = f(u + 0.5 * dt * k1[0], m + 0.5 * dt * k1[1]);
      const k3 = f(u + 0.5 * dt * k2[0], m + 0.5 * dt * k2[1]);
      const k4 = f(u + dt * k3[0], m + dt * k3[1]);
      u += (dt / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
      m += (dt / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
      t += dt;
    }
    outM.push(m);
    outU.push(u);
  }
  return { m: outM, u: outU };
}
