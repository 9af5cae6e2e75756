//! Distances on the Earth's surface.

/// Mean Earth radius in km.
pub const EARTH_RADIUS_KM: f64 = 6371.0;

/// Great-circle (haversine) distance in km between two (latitude, longitude) points in
/// degrees.
pub fn haversine_km((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (lon2 - lon1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_to_london() {
        let (paris, london) = ((48.8566, 2.3522), (51.5074, -0.1278));
        assert!((haversine_km(paris, london) - 343.5).abs() < 2.0);
        assert_eq!(haversine_km(paris, paris), 0.0);
    }
}
