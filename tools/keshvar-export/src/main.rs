//! Prints keshvar's country and subdivision data as TSV on stdout, for
//! `scripts/build-gazetteer.py`. Rows are sorted, so the output is stable.
//!
//! Columns: kind (`country` or `subdivision`), code (ISO 3166-1 alpha-2 or
//! ISO 3166-2 such as `US-TX`), name, latitude, longitude, the bounding box
//! (min_lat, max_lat, min_lon, max_lon; subdivisions only), French name,
//! English nationality (countries only). Empty fields mean "unknown".

use keshvar::CountryIterator;

fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ").trim().to_string()
}

fn coord(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.6}"),
        _ => String::new(),
    }
}

fn main() {
    let mut rows: Vec<String> = Vec::new();
    for country in CountryIterator::new() {
        let a2 = country.alpha2().to_string().to_uppercase();
        let geo = country.geo();
        let fr = country.translations().get("fr").copied().unwrap_or("");
        rows.push(format!(
            "country\t{}\t{}\t{}\t{}\t\t\t\t\t{}\t{}",
            a2,
            clean(country.iso_short_name()),
            coord(Some(geo.latitude())),
            coord(Some(geo.longitude())),
            clean(fr),
            clean(country.maybe_nationality().unwrap_or("")),
        ));
        for (code, sub) in country.subdivisions() {
            let (lat, lon, bbox) = match sub.geo() {
                Some(g) => (
                    g.latitude(),
                    g.longitude(),
                    [g.min_latitude(), g.max_latitude(), g.min_longitude(), g.max_longitude()],
                ),
                None => (None, None, [None; 4]),
            };
            let fr = sub.translations().get("fr").copied().unwrap_or("");
            rows.push(format!(
                "subdivision\t{}-{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t",
                a2,
                clean(code),
                clean(sub.name()),
                coord(lat),
                coord(lon),
                coord(bbox[0]),
                coord(bbox[1]),
                coord(bbox[2]),
                coord(bbox[3]),
                clean(fr),
            ));
        }
    }
    rows.sort();
    println!("kind\tcode\tname\tlat\tlon\tmin_lat\tmax_lat\tmin_lon\tmax_lon\tname_fr\tnationality");
    for r in rows {
        println!("{r}");
    }
}
