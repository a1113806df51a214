/* cavi-engine.js: CAVI for the Bayesian mixture of Gaussians, in plain JavaScript.
 *
 * The website's explorers run this file in the reader's browser: no kernel, no server, no
 * library. It computes exactly what vilib computes (vilib/core/updates.py, vilib/core/elbo.py,
 * vilib/core/cavi.py), and tests/site/test_engine.py checks it against vilib.cavi in Chromium.
 *
 * Model (d dimensions):  mu_k ~ N(0, sigma^2 I_d),  c_i ~ Cat(1/K),  x_i | c_i, mu ~ N(mu_{c_i}, lam^2 I_d).
 * Family:                q(mu_k) = N(m_k, s2_k I_d),  q(c_i) = Cat(phi_i).
 *
 * Storage: flat Float64Arrays, row-major.  X is n*d (x_i at X[i*d .. i*d+d-1]), M is K*d,
 * s2 is K, phi is n*K (phi_ik at phi[i*K + k]), S is K*d.
 *
 * One function per update and per ELBO term; each names the book's equation label.
 * Exposed as window.caviEngine (and module.exports under Node).
 */
(function (root) {
  "use strict";

  var LOG_2PI = Math.log(2 * Math.PI);        // vilib.model.LOG_2PI

  /* ---------------------------------------------------------------- the phi update */

  /* Logits of one point, distance form (phi-update-d, dd-phi-update; phi-update for d = 1):
   *   l_ik = -(|x_i - m_k|^2 + d s2_k) / (2 lam^2)
   * which differs from x_i.m_k/lam^2 - (d s2_k + |m_k|^2)/(2 lam^2) only by -|x_i|^2/(2 lam^2),
   * the same for every k (so phi is the same). Each difference is taken before squaring: with
   * |x| ~ 1e6 the expanded form would cancel numbers of size 1e12 (vilib.core.updates.logits). */
  function logitsOfPoint(X, i, d, M, s2, K, lam, out) {
    var c = -1.0 / (2 * lam * lam);
    for (var k = 0; k < K; k++) {
      var diff = M[k * d] - X[i * d];
      var sq = diff * diff;
      for (var j = 1; j < d; j++) {
        diff = M[k * d + j] - X[i * d + j];
        sq += diff * diff;
      }
      out[k] = (sq + d * s2[k]) * c;
    }
    return out;
  }

  /* The phi update of every point (phi-softmax with the shift of phi-shift):
   *   phi_ik = exp(l_ik - max_k l_ik) / Z_i,   Z_i = sum_k exp(l_ik - max_k l_ik),
   * with, from the same pass, what the rest of the sweep needs (vilib.core.updates.phi_step):
   *   N_k = sum_i phi_ik,  S_k = sum_i phi_ik x_i  (the statistics of sq-update-d),
   *   phiLogit_k = sum_i phi_ik l_ik,  sumLogNorm = sum_i (log Z_i + max_k l_ik).  */
  function updatePhi(X, n, d, M, s2, K, lam, phi) {
    phi = phi || new Float64Array(n * K);
    var N = new Float64Array(K), S = new Float64Array(K * d), phiLogit = new Float64Array(K);
    var l = new Float64Array(K), sumLogNorm = 0;
    for (var i = 0; i < n; i++) {
      logitsOfPoint(X, i, d, M, s2, K, lam, l);
      var shift = l[0];
      for (var k = 1; k < K; k++) if (l[k] > shift) shift = l[k];
      var Z = 0;
      for (k = 0; k < K; k++) {
        var e = Math.exp(l[k] - shift);
        phi[i * K + k] = e;
        Z += e;
      }
      var invZ = 1.0 / Z;
      for (k = 0; k < K; k++) {
        var p = phi[i * K + k] * invZ;
        phi[i * K + k] = p;
        N[k] += p;
        phiLogit[k] += p * l[k];
        for (var j = 0; j < d; j++) S[k * d + j] += p * X[i * d + j];
      }
      sumLogNorm += Math.log(Z) + shift;
    }
    return {phi: phi, N: N, S: S, phiLogit: phiLogit, sumLogNorm: sumLogNorm};
  }

  /* ---------------------------------------------------------------- the (m, s2) update */

  /* Completed square (sq-update-d, dd-mu-update; sq-update for d = 1, lam = 1):
   *   s2_k = 1 / (1/sigma^2 + N_k/lam^2),   m_k = s2_k S_k / lam^2   (vilib.core.updates.mu_from_stats). */
  function updateMu(N, S, K, d, sigma, lam) {
    var s2 = new Float64Array(K), M = new Float64Array(K * d);
    var lam2 = lam * lam, sigma2 = sigma * sigma;
    for (var k = 0; k < K; k++) {
      s2[k] = 1.0 / (1.0 / sigma2 + N[k] / lam2);
      var w = s2[k] / lam2;
      for (var j = 0; j < d; j++) M[k * d + j] = w * S[k * d + j];
    }
    return {M: M, s2: s2};
  }

  /* ---------------------------------------------------------------- the ELBO, term by term */

  /* sum_k E[log p(mu_k)]   (cavi-term-pmu, in d dimensions):
   *   -K d/2 log(2 pi sigma^2) - sum_k (d s2_k + |m_k|^2) / (2 sigma^2) */
  function elboLogPMu(M, s2, K, d, sigma) {
    var second = 0;
    for (var k = 0; k < K; k++) {
      var mm = 0;
      for (var j = 0; j < d; j++) mm += M[k * d + j] * M[k * d + j];
      second += d * s2[k] + mm;
    }
    return -0.5 * K * d * (LOG_2PI + Math.log(sigma * sigma)) - second / (2 * sigma * sigma);
  }

  /* sum_i E[log p(c_i)] = -n log K   (cavi-term-pc) */
  function elboLogPC(n, K) {
    return -n * Math.log(K);
  }

  /* sum_i E[log p(x_i | c_i, mu)]   (cavi-term-px, in d dimensions):
   *   -n d/2 log(2 pi lam^2) - (sum_ik phi_ik |x_i - m_k|^2 + d sum_k N_k s2_k) / (2 lam^2)
   * sqDist = sum_ik phi_ik |x_i - m_k|^2 comes from expectedSqDist (no |x|^2 terms cancel). */
  function elboLogPX(sqDist, N, s2, K, n, d, lam) {
    var Ns2 = 0;
    for (var k = 0; k < K; k++) Ns2 += N[k] * s2[k];
    return -0.5 * n * d * (LOG_2PI + Math.log(lam * lam)) - (sqDist + d * Ns2) / (2 * lam * lam);
  }

  /* -sum_i E[log q(c_i)] = -sum_ik phi_ik log phi_ik   (cavi-term-qc).  For the phi of updatePhi,
   * log phi_ik = l_ik - log Z_i - max_k l_ik, so the sum is sum_ik phi_ik l_ik - sum_i log norm_i:
   * no log of a phi that underflowed to 0 (vilib.core.elbo.neg_entropy_from_stats). */
  function elboEntropyC(phiLogit, sumLogNorm, K) {
    var s = 0;
    for (var k = 0; k < K; k++) s += phiLogit[k];
    return -(s - sumLogNorm);
  }

  /* -sum_k E[log q(mu_k)] = sum_k d/2 log(2 pi e s2_k)   (cavi-term-qmu) */
  function elboEntropyMu(s2, K, d) {
    var s = 0;
    for (var k = 0; k < K; k++) s += LOG_2PI + 1.0 + Math.log(s2[k]);
    return 0.5 * d * s;
  }

  /* sum_ik phi_ik |x_i - m_k^new|^2 from the statistics of the phi update that saw M_old
   * (vilib.core.updates.expected_sq_dist_after_move), with centred sums S_k - N_k m_k^old:
   *   -2 lam^2 phiLogit_k - d s2_old_k N_k - 2 Delta_k.(S_k - N_k m_k^old) + N_k |Delta_k|^2,
   * Delta_k = m_k^new - m_k^old.  With Mnew = Mold it is the distance at the old means. */
  function expectedSqDist(st, Mold, s2old, Mnew, K, d, lam) {
    var total = 0;
    for (var k = 0; k < K; k++) {
      var atOld = -2 * lam * lam * st.phiLogit[k] - d * s2old[k] * st.N[k];
      var cross = 0, dd = 0;
      for (var j = 0; j < d; j++) {
        var delta = Mnew[k * d + j] - Mold[k * d + j];
        cross += delta * (st.S[k * d + j] - st.N[k] * Mold[k * d + j]);
        dd += delta * delta;
      }
      total += atOld - 2 * cross + st.N[k] * dd;
    }
    return total;
  }

  /* The five terms of the ELBO (cavi-elbo; cavi-elbo-closed for d = 1) and their sum, for phi
   * made by updatePhi from (Mold, s2old) and the means (M, s2).  With M = Mold, s2 = s2old it is
   * the ELBO half-way through a sweep (after the phi update, before the (m, s2) update). */
  function elboTerms(st, Mold, s2old, M, s2, K, n, d, sigma, lam) {
    var sqDist = expectedSqDist(st, Mold, s2old, M, K, d, lam);
    var t = {
      logPMu: elboLogPMu(M, s2, K, d, sigma),
      logPC: elboLogPC(n, K),
      logPX: elboLogPX(sqDist, st.N, s2, K, n, d, lam),
      entropyC: elboEntropyC(st.phiLogit, st.sumLogNorm, K),
      entropyMu: elboEntropyMu(s2, K, d)
    };
    t.elbo = 0 + t.logPMu + t.logPC + t.logPX + t.entropyC + t.entropyMu;  // vilib's order
    return t;
  }

  /* ---------------------------------------------------------------- one sweep, many sweeps */

  /* One CAVI sweep (vilib.cavi's loop body, Algorithm 2 of Blei et al. 2017): the phi update,
   * then the (m, s2) update, then the ELBO.  `state` = {M, s2}; returns the new state with phi,
   * the ELBO, and the ELBO half-way (phi new, m and s2 old). */
  function sweep(X, n, d, state, K, sigma, lam, phiBuffer) {
    var st = updatePhi(X, n, d, state.M, state.s2, K, lam, phiBuffer);
    var half = elboTerms(st, state.M, state.s2, state.M, state.s2, K, n, d, sigma, lam).elbo;
    var mu = updateMu(st.N, st.S, K, d, sigma, lam);
    var terms = elboTerms(st, state.M, state.s2, mu.M, mu.s2, K, n, d, sigma, lam);
    return {M: mu.M, s2: mu.s2, phi: st.phi, N: st.N, elbo: terms.elbo, elboHalf: half,
            terms: terms};
  }

  /* ---------------------------------------------------------------- checked entry point */

  function fail(Kind, msg) { throw new Kind("caviEngine.runCavi: " + msg); }

  function positive(name, v) {
    if (typeof v !== "number") fail(TypeError, name + " must be a number, got " + typeof v);
    if (!(v > 0) || !isFinite(v)) fail(RangeError, name + " must be a finite number > 0, got " + v);
    return v;
  }

  function integer(name, v, min) {
    if (typeof v !== "number" || !Number.isInteger(v)) fail(TypeError, name + " must be an integer, got " + v);
    if (v < min) fail(RangeError, name + " must be >= " + min + ", got " + v);
    return v;
  }

  /* rows: an array of arrays (rows x cols) of finite numbers -> flat Float64Array */
  function matrix(name, rows, nRows, nCols) {
    if (!Array.isArray(rows)) fail(TypeError, name + " must be an array of arrays");
    if (nRows !== null && rows.length !== nRows) fail(RangeError, name + " must have " + nRows + " rows, got " + rows.length);
    if (rows.length === 0) fail(RangeError, name + " must not be empty");
    var cols = nCols === null ? (Array.isArray(rows[0]) ? rows[0].length : -1) : nCols;
    if (!(cols >= 1)) fail(TypeError, name + " rows must be non-empty arrays of numbers");
    var out = new Float64Array(rows.length * cols);
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (!Array.isArray(r) || r.length !== cols) fail(RangeError, name + "[" + i + "] must be an array of length " + cols);
      for (var j = 0; j < cols; j++) {
        if (typeof r[j] !== "number" || !isFinite(r[j])) fail(TypeError, name + "[" + i + "][" + j + "] must be a finite number, got " + r[j]);
        out[i * cols + j] = r[j];
      }
    }
    return {data: out, rows: rows.length, cols: cols};
  }

  function unflatten(a, rows, cols) {
    var out = new Array(rows);
    for (var i = 0; i < rows; i++) out[i] = Array.prototype.slice.call(a, i * cols, i * cols + cols);
    return out;
  }

  /* runCavi({x, K, sigma, lam, m0, s2_0, sweeps}) -> {phi (n x K), m (K x d), s2 (K), elbo (sweeps)}
   * x: n x d array of arrays (d = 1 for 1-D data); m0: K x d; s2_0: length K, all > 0.
   * The same as vilib.cavi(x, K, sigma, lam=lam, init=(m0, s2_0), tol=None, max_iter=sweeps). */
  function runCavi(opts) {
    if (opts === null || typeof opts !== "object") fail(TypeError, "the argument must be an object");
    var K = integer("K", opts.K, 1);
    var sigma = positive("sigma", opts.sigma);
    var lam = positive("lam", opts.lam === undefined ? 1.0 : opts.lam);
    var sweeps = integer("sweeps", opts.sweeps, 1);
    var x = matrix("x", opts.x, null, null), n = x.rows, d = x.cols;
    var m0 = matrix("m0", opts.m0, K, d);
    if (!Array.isArray(opts.s2_0) || opts.s2_0.length !== K) fail(RangeError, "s2_0 must be an array of length K = " + K);
    var s2 = new Float64Array(K);
    for (var k = 0; k < K; k++) s2[k] = positive("s2_0[" + k + "]", opts.s2_0[k]);
    var state = {M: m0.data, s2: s2}, elbo = [], phi = new Float64Array(n * K);
    for (var t = 0; t < sweeps; t++) {
      state = sweep(x.data, n, d, state, K, sigma, lam, phi);
      elbo.push(state.elbo);
    }
    return {phi: unflatten(state.phi, n, K), m: unflatten(state.M, K, d),
            s2: Array.prototype.slice.call(state.s2), elbo: elbo};
  }

  var api = {
    LOG_2PI: LOG_2PI,
    logitsOfPoint: logitsOfPoint, updatePhi: updatePhi, updateMu: updateMu,
    elboLogPMu: elboLogPMu, elboLogPC: elboLogPC, elboLogPX: elboLogPX,
    elboEntropyC: elboEntropyC, elboEntropyMu: elboEntropyMu,
    expectedSqDist: expectedSqDist, elboTerms: elboTerms, sweep: sweep, runCavi: runCavi
  };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.caviEngine = api;
})(this);
