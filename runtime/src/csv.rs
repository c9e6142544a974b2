//! CSV as RFC 4180 writes it, one implementation for every table the chain's tools print:
//! the AEF tables ([`crate::aef::AefReport::to_csv`]) and the CLI's report files. Pure:
//! text in, text out.

/// One record: cells joined by commas, a cell that holds a comma, a double quote or a line
/// break enclosed in double quotes with its double quotes doubled; ends with CRLF.
pub fn line(cells: &[String]) -> String {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect();
    format!("{}\r\n", quoted.join(","))
}

/// A header record of `columns`, then one record per row.
pub fn table(columns: &[String], rows: &[Vec<String>]) -> String {
    let mut out = line(columns);
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_only_when_they_need_it() {
        let cells = ["plain", "a, b", "say \"hi\"", "two\nlines", "cr\r"].map(String::from);
        assert_eq!(line(&cells), "plain,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\"\r\n");
        assert_eq!(line(&[]), "\r\n");
    }

    #[test]
    fn a_table_is_its_header_then_its_rows() {
        let text = table(&["a".into(), "b".into()], &[vec!["x, \"y\"".into(), "z".into()]]);
        assert_eq!(text, "a,b\r\n\"x, \"\"y\"\"\",z\r\n");
    }
}
