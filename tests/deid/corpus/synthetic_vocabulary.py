"""Word lists for the synthetic notes: people, places and institutions that appear in them.

Written for the corpus, independently of the de-identifier's lexicons (consilium/deid/data), so
that the corpus does not test the lexicons against themselves: many names here are in no list
the de-identifier reads, and some are common English words ("Will Hope", "Rose Baker").

Every list is split in two halves by position (`half`): the tuning notes draw from the even
entries and the held-out notes from the odd ones, so no held-out person, street, town or
institution was ever seen while the rules were tuned.
"""

from __future__ import annotations


def words(text: str) -> tuple[str, ...]:
    """The whitespace-separated entries of `text`, in order (order decides the halves)."""
    return tuple(text.split())


def lines(text: str) -> tuple[str, ...]:
    """The non-blank lines of `text`, for entries with spaces ("Harbor View")."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def half(entries: tuple[str, ...], *, held_out: bool) -> tuple[str, ...]:
    return entries[1::2] if held_out else entries[0::2]


GIVEN_NAMES = words(
    """
    Margaret Harold Dorothy Eugene Beverly Clarence Loretta Wendell Gladys Vernon Mildred
    Rudolph Bernadette Lloyd Thelma Calvin Rosalind Everett Marjorie Irving Darlene Russell
    Yvonne Franklin Tabitha Dwight Priscilla Gordon Winifred Ambrose Cecilia Desmond Eleanor
    Jeremiah Kathleen Leland Nadine Oswald Penelope Quentin Rosalie Sheldon Trudy Ulysses
    Vivian Wilbur Yolanda Zachary Brianna Kayden Jaxon Madison Tristan Makayla Brayden Aubrey
    Colton Kinsley Guadalupe Xiomara Rigoberto Maricela Esperanza Joaquin Itzel Eduardo
    Consuelo Leticia Ignacio Marisol Teodoro Yesenia Alejandro Graciela Chinonso Adaeze
    Oluwadamilare Babajide Folasade Tsegaye Abebe Wanjiru Kipchoge Nokuthula Mandla Afua
    Zainab Chiamaka Tariq Samira Khalid Layla Omar Nadia Bilal Rania Hamza Yasmin Mustafa
    Soraya Venkatesh Lakshmanan Anusha Harpreet Gurpreet Rajesh Sunita Meenakshi Pradeep
    Kavitha Xiaoming Mei-Ling Jun-ho Seo-yeon Minh Thanh Hoang Kenji Haruto Sakura Zhiwei
    Bogdan Jadwiga Miroslav Zdenka Dragan Ljubica Vasile Oksana Grzegorz Agnieszka Tamas
    Ildiko Sigrid Torbjorn Henrike Gunther Liesel Anders Jean-Luc Mary-Kate Anne-Marie
    Jo-Ellen Siobhan Padraig Niamh Ciaran Eilidh Alasdair Morwenna Cadoc Tatiana Dmitri
    Svetlana Arkady Marguerite Thibault Solenne Benedetta Gianluca Rosaria Caetano Leandro
    Ximena Ayodele Kwabena Efua Nkechi Obiageli Dawit Hiwot Mahlet Emeka
    """
)

# Names that are also common English words: a note gives them away only by context.
WORD_GIVEN_NAMES = words(
    """
    Will Rose Mark Hope Grace Faith Joy Dawn Summer Hunter Chase Bill Art Pearl Ruby Hazel
    Iris Ivy Amber Crystal Autumn Miles Rich Guy Frank Sky Rusty Sunny Cliff Drew Gene Skip
    """
)

SURNAMES = words(
    """
    Abernathy Blackwood Castellanos Dabrowski Eriksen Fairbanks Gutierrez Hargreaves Ibarra
    Jankowski Lindgren Montoya Nakashima Okonjo Pemberton Quintero Rasmussen Szymanski Thorne
    Umeh Villanueva Whitcombe Yamaguchi Zielinski Achterberg Bhattacharya Chukwuemeka Delacroix
    Esposito Fitzgerald Gallagher Halloran Iwasaki Jablonski Kaczmarek Lachance Mbeki
    Nwachukwu Oyelaran Pellegrino Quispe Rourke Sandoval Tanaka Underwood Vukovic Wojcik
    Yilmaz Zapata O'Sullivan O'Halloran McAllister MacKinnon D'Souza Garcia-Lopez
    Ruiz-Tagle Okafor-Bello Nguyen Tran Pham Kim Park Choi Singh Patel Gupta Reddy Iyer
    Chatterjee Haddad Khoury Mansour Farouk Cohen Levine Goldberg Rosenbaum Schwartz Novak
    Horvath Popescu Petrov Ivanova Kuznetsov Andersson Johansson Larsen Holm Murray Sutherland
    Campbell Thompson Featherstone Ashworth Brightwater Cavendish Dunleavy Entwistle Fothergill
    Grimshaw Higginbotham Illingworth Kershaw Lockwood Merriweather Nettleship Ormerod Pickering
    Quenneville Ravenscroft Sowerby Tremblay Vandermeer Wetherby Yardley Aguilar Benavides
    Cardenas Dominguez Echeverria Fuentes Galindo Hidalgo Jaramillo Ledesma Maldonado Navarrete
    Orozco Pacheco Rosales Saldana Trujillo Urquhart Valdivia Wirtanen Adeyemi Bankole Danjuma
    Eze Fashola Gyamfi Haile Idowu Jideofor Kamau Lungu Mwangi Ndlovu Obi Tesfaye Wolde
    Bui Dang Ho Huynh Lam Luong Vo Zhang Liu Zhou Huang Takahashi Watanabe Sato Yoshida
    Kowalewski Marchetti Nieminen Oksanen Pajari Sorensen Virtanen Brennan Donnelly Keane
    Albrecht Baumgartner Eichhorn Fleischmann Kessler Lindqvist Stromberg
    """
)

# Family names that are also common English words ("Mark Brown", "Rose Baker").
WORD_SURNAMES = words(
    """
    Baker Brown Hope White Black Green Young Best Bird Fox Wolf Stone Rivers Hill Field Little
    Long Strong Wise Gross Sharp Cook Bell Hunt Church Ward Wood Waters Lamb Swift Frost Snow
    Knight Cross Moody Hardy Rich Love Day
    """
)

# Surnames with a particle, kept whole ("van der Berg").
PARTICLE_SURNAMES = lines(
    """
    van der Berg
    de la Cruz
    al-Hashimi
    Van Houten
    de Souza
    ten Brink
    del Valle
    von Stauffenberg
    da Silva
    le Roux
    """
)

SAINTS = words(
    """
    Agnes Brendan Columba Damian Elizabeth Francis Gerard Hilda Ignatius Jude Luke Monica
    Vincent Perpetua Raphael Sebastian Teresa Ursula Anselm Bridget
    """
)

TOWNS = lines(
    """
    Millbrook
    Harrowgate
    Brackenridge
    Pine Hollow
    Port Ellison
    Westbury
    Silver Lake
    Oakhurst
    East Fairview
    Tamarack
    Glen Arden
    Cold Spring
    Marlowe
    Kettle Falls
    Bellhaven
    Ashbury Park
    Fort Calloway
    Dunmore
    Wickliffe
    Saranac
    Poughkeepsie
    Schenectady
    Tucson
    Boise
    Duluth
    Kalamazoo
    Chattanooga
    Ypsilanti
    Walla Walla
    Tallahassee
    Scranton
    Eau Claire
    Paducah
    Muskogee
    Winnemucca
    Bozeman
    Lafayette
    Biloxi
    Pawtucket
    Hoboken
    New Rochelle
    Cape Girardeau
    Sioux Falls
    Grand Junction
    Flagstaff
    Wapakoneta
    Oconomowoc
    Natchitoches
    Chillicothe
    Mishawaka
    Kissimmee
    Tonawanda
    Hackettstown
    Cheektowaga
    Brattleboro
    Skowhegan
    Lewiston
    Yakima
    Pocatello
    Missoula
    """
)

# (abbreviation, full name); a state may stay in a de-identified note (Safe Harbor).
STATES = (
    ("NY", "New York"),
    ("OH", "Ohio"),
    ("TX", "Texas"),
    ("WI", "Wisconsin"),
    ("MN", "Minnesota"),
    ("FL", "Florida"),
    ("NJ", "New Jersey"),
    ("WA", "Washington"),
    ("MT", "Montana"),
    ("TN", "Tennessee"),
    ("KY", "Kentucky"),
    ("VT", "Vermont"),
    ("AZ", "Arizona"),
    ("IL", "Illinois"),
    ("MA", "Massachusetts"),
    ("NC", "North Carolina"),
    ("IA", "Iowa"),
    ("NV", "Nevada"),
)

STREET_NAMES = lines(
    """
    Birchwood
    Maple
    Kingsley
    Harbor View
    Old Mill
    Quarry
    Lighthouse
    Sycamore
    Juniper
    Chestnut
    Willow Creek
    Fox Run
    Heron
    Tanglewood
    Riverside
    Bluebonnet
    Magnolia
    Larkspur
    Pennington
    Ashford
    Cromwell
    Dorchester
    Evergreen
    Foxglove
    Greystone
    Hawthorne
    Ironwood
    Kensington
    Lakeview
    Meadowbrook
    Northgate
    Orchard
    Primrose
    Quail Ridge
    Redbud
    Stonebridge
    Thornbury
    Union
    Wexford
    Main
    Church
    Market
    Washington
    Lincoln
    Third
    Forty-Fifth
    Cottonwood
    Prospect
    """
)

STREET_SUFFIXES = words(
    """
    Street St St. Avenue Ave Ave. Road Rd Lane Ln Drive Court Ct Boulevard Blvd Way Place
    Terrace Circle Parkway Trail Crescent Highway Pike
    """
)

UNITS = ("Apt 4B", "Apt. 12", "Unit 3", "#207", "Suite 300", "Apt 2F", "Unit 11C", "Lot 14")

INSTITUTION_FORMS = lines(
    """
    {town} Regional Medical Center
    {town} General Hospital
    St. {saint} Hospital
    Saint {saint} Medical Center
    {surname} Memorial Hospital
    {town} Community Health Center
    {town} Family Practice
    {town} Rehabilitation Hospital
    {town} Cancer Institute
    Hospice of {town}
    {town} Nursing Home
    {town} Imaging Center
    University of {town} Medical Center
    {surname} Pediatric Associates
    {town} Dialysis Center
    Mercy {town} Hospital
    {town} Urgent Care
    {surname} House Care Home
    {town} Veterans Affairs Medical Center
    """
)

EMAIL_DOMAINS = words(
    "gmail.com yahoo.com outlook.com protonmail.com icloud.com aol.com comcast.net hotmail.com"
)
